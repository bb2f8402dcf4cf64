using System.Text;
using System.Text.Json;
using LlmKit.Rag.Vectors;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.Rag.PostgreSql;

/// <summary>
/// Turns a <see cref="MetadataFilter"/> into SQL conditions on <c>llmkit.retrieval_chunks</c>, with parameters, so the
/// database applies it before ranking (the same rules as <see cref="MetadataFilter.Matches"/>: a missing date fails a
/// date condition, tags must match exactly).
/// </summary>
internal static class MetadataFilterSql
{
    /// <summary>Appends <c> AND …</c> for each condition the filter sets; parameters are numbered after those already added.</summary>
    /// <exception cref="NotSupportedException">The filter has a <see cref="MetadataFilter.Predicate"/>, which only runs in-process.</exception>
    public static void AppendConditions(StringBuilder sql, List<NpgsqlParameter> parameters, MetadataFilter? filter)
    {
        if (filter is null)
        {
            return;
        }

        if (filter.Predicate is not null)
        {
            // Post-filtering would return a short list and could not be trusted to keep other tenants' chunks out.
            throw new NotSupportedException(
                "A MetadataFilter.Predicate runs only in-process; the PostgreSQL store filters inside the database. " +
                "Filter on Tenant, MaxAccessLevel, From, To or Tags instead.");
        }

        if (filter.Tenant is not null)
        {
            sql.Append(" AND tenant = ").Append(Add(parameters, filter.Tenant, NpgsqlDbType.Text));
        }

        if (filter.MaxAccessLevel is { } level)
        {
            sql.Append(" AND access_level <= ").Append(Add(parameters, level, NpgsqlDbType.Integer));
        }

        if (filter.From is { } from)
        {
            sql.Append(" AND date >= ").Append(Add(parameters, from.ToUniversalTime(), NpgsqlDbType.TimestampTz));
        }

        if (filter.To is { } to)
        {
            sql.Append(" AND date <= ").Append(Add(parameters, to.ToUniversalTime(), NpgsqlDbType.TimestampTz));
        }

        if (filter.Tags is { Count: > 0 } tags)
        {
            sql.Append(" AND tags @> ").Append(Add(parameters, JsonSerializer.Serialize(tags), NpgsqlDbType.Jsonb));
        }
    }

    /// <summary>Adds a parameter and returns its placeholder (<c>$n</c>).</summary>
    public static string Add(List<NpgsqlParameter> parameters, object value, NpgsqlDbType type)
    {
        parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
        return "$" + PostgresRetrievalSchema.Invariant(parameters.Count);
    }
}
