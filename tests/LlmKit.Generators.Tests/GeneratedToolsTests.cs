using System.Text.Json;
using LlmKit.Generators.Tests.Samples;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Generators.Tests;

/// <summary>The samples in Samples/ are compiled with the generator as an analyzer, exactly as in a user's project.</summary>
public sealed class GeneratedToolsTests
{
    private static AIFunctionArguments Args(string json, IServiceProvider? services = null) =>
        new(JsonSerializer.Deserialize<Dictionary<string, object?>>(json)!) { Services = services };

    [Fact]
    public void Names_descriptions_and_schemas_come_from_the_method_its_docs_and_its_parameters()
    {
        var tools = MathTools.GetLlmTools();

        Assert.Equal(["add", "round_value", "centroid", "no_op"], tools.Select(t => t.Name));
        Assert.Equal("Adds two integers.", tools[0].Description);
        Assert.Equal("Rounds a number.", tools[1].Description);
        Assert.Equal(
            """{"type":"object","properties":{"a":{"description":"The first addend.","type":"integer"},"b":{"description":"The second addend.","type":"integer"}},"required":["a","b"],"additionalProperties":false}""",
            tools[0].JsonSchema.GetRawText());
        Assert.Equal(
            """{"type":"object","properties":{"value":{"type":"number"},"mode":{"type":"string","enum":["Down","Nearest","Up"]},"digits":{"type":["integer","null"]}},"required":["value"],"additionalProperties":false}""",
            tools[1].JsonSchema.GetRawText());
    }

    [Fact]
    public void Injected_parameters_are_never_shown_to_the_model()
    {
        var tools = OrderTools.GetLlmTools();

        var refund = tools.Single(t => t.Name == "refund_order");
        var properties = refund.JsonSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name);
        Assert.Equal(["orderId", "amount", "reason"], properties);
        Assert.Equal("The amount in EUR, at most the order total.", refund.JsonSchema.GetProperty("properties").GetProperty("amount").GetProperty("description").GetString());
        Assert.Equal(["orderId"], tools.Single(t => t.Name == "lookup_order").JsonSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Metadata_from_the_attribute_reaches_the_loop()
    {
        var tools = OrderTools.GetLlmTools();

        var lookup = tools.Single(t => t.Name == "lookup_order").Metadata;
        var refund = tools.Single(t => t.Name == "refund_order").Metadata;
        Assert.Equal((ToolSideEffect.ReadOnly, false), (lookup.SideEffect, lookup.NeedsApproval));
        Assert.Equal((ToolSideEffect.Destructive, true), (refund.SideEffect, refund.NeedsApproval));
        Assert.Equal(["lookup_order"], refund.RunsAfter);
        Assert.Equal(TimeSpan.FromSeconds(10), refund.Timeout);
    }

    [Fact]
    public async Task The_invoker_binds_primitives_enums_defaults_and_nullable_values_from_JSON()
    {
        var tools = MathTools.GetLlmTools();

        Assert.Equal(5, await tools[0].InvokeAsync(Args("""{"a":2,"b":3}""")));
        Assert.Equal(3L, await tools[1].InvokeAsync(Args("""{"value":2.2,"mode":"up"}""")));      // enum by name, any case
        Assert.Equal(2L, await tools[1].InvokeAsync(Args("""{"value":2.4}""")));                  // default mode, null digits
        Assert.Equal(2L, await tools[1].InvokeAsync(Args("""{"value":2.4,"digits":null}""")));
        Assert.Null(await tools[3].InvokeAsync(Args("""{"flag":true,"id":"0f8fad5b-d9cb-469f-a165-70867728950e","when":"2026-01-02T03:04:05Z"}""")));
    }

    [Fact]
    public async Task Complex_arguments_and_results_go_through_the_serializer_with_web_defaults()
    {
        var centroid = MathTools.GetLlmTools()[2];

        var result = await centroid.InvokeAsync(Args("""{"points":[{"x":0,"y":0},{"x":2,"y":4}]}"""));

        Assert.Equal("""{"x":1,"y":2,"label":"centroid"}""", Assert.IsType<JsonElement>(result).GetRawText());
        Assert.Equal(
            """{"description":"The points.","type":"array","items":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"},"label":{"description":"An optional label.","type":["string","null"]}},"required":["x","y"]}}""",
            centroid.JsonSchema.GetProperty("properties").GetProperty("points").GetRawText());
    }

    [Theory]
    [InlineData("""{"a":"two","b":3}""", "The argument 'a' must be an integer between -2147483648 and 2147483647, but was string.")]
    [InlineData("""{"a":2.5,"b":3}""", "The argument 'a' must be an integer between -2147483648 and 2147483647, but was number.")]
    [InlineData("""{"b":3}""", "The required argument 'a' is missing.")]
    public async Task Arguments_that_cannot_be_bound_throw_an_error_the_model_can_act_on(string json, string message)
    {
        var add = MathTools.GetLlmTools()[0];

        var error = await Assert.ThrowsAsync<ToolArgumentException>(() => add.InvokeAsync(Args(json)).AsTask());

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task Instance_tools_resolve_their_class_and_injected_services_from_the_invocation()
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<IOrderStore, InMemoryOrderStore>().AddScoped<OrderTools>().BuildServiceProvider();
        var tools = OrderTools.GetLlmTools();

        var order = await tools[0].InvokeAsync(Args("""{"orderId":"A-1001"}""", services));
        var confirmation = await tools[1].InvokeAsync(Args("""{"orderId":"A-1001","amount":20}""", services));

        Assert.Equal("Shipped", Assert.IsType<JsonElement>(order).GetProperty("status").GetString());
        Assert.Equal("Refunded 20.00 EUR on order A-1001.", confirmation);
        Assert.Equal(("A-1001", 20m, (string?)null), services.GetRequiredService<IOrderStore>().Refunds.Single());
    }

    [Fact]
    public async Task An_instance_tool_without_its_class_registered_says_how_to_register_it()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            OrderTools.GetLlmTools()[0].InvokeAsync(Args("""{"orderId":"A-1001"}""", new ServiceCollection().BuildServiceProvider())).AsTask());

        Assert.Contains("AddTools<OrderTools>()", error.Message);
    }
}
