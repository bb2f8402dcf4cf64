// LlmKit ASP.NET Core sample: a support chat that streams LlmKit's tool loop as server-sent events (and stops when the
// browser goes away), background ticket-triage jobs with polling, budgets per tenant, resilience, telemetry and health
// checks, all configured in appsettings.json. Offline by default (a scripted demo model, no key, no network); set
// OPENAI_API_KEY (optionally OPENAI_BASE_URL, LLMKIT_MODEL) or ANTHROPIC_API_KEY for a real model.
// Run it and open http://localhost:5000 (or the address printed at start).
var app = WebApi.ServerApp.Build(args);
await app.RunAsync();
