using System.Text.Json;
using NJsonSchema;
using NJsonSchema.Validation;

namespace ProcAudit.MSBuild.Tests.Infrastructure;

/// <summary>A JSON report a task wrote, parsed and checked against docs/report.schema.json.</summary>
internal sealed class AuditReportFile
{
    private AuditReportFile(string path, JsonElement root, IReadOnlyList<string> schemaErrors)
    {
        Path = path;
        Root = root;
        SchemaErrors = schemaErrors;
    }

    public string Path { get; }

    public JsonElement Root { get; }

    public IReadOnlyList<string> SchemaErrors { get; }

    public string Verdict => Root.GetProperty("verdict").GetString() ?? "";

    public string? Headline => Root.TryGetProperty("headline", out JsonElement headline) ? headline.GetString() : null;

    public IReadOnlyList<JsonElement> Cycles => Root.GetProperty("cycles").EnumerateArray().ToList();

    public static async Task<AuditReportFile> LoadAsync(string path)
    {
        string json = await File.ReadAllTextAsync(path);

        // Clone: the document is disposed here, the element must outlive it.
        JsonElement root;
        using (JsonDocument document = JsonDocument.Parse(json))
        {
            root = document.RootElement.Clone();
        }

        JsonSchema schema = await JsonSchema.FromFileAsync(Repository.ReportSchema);
        ICollection<ValidationError> errors = schema.Validate(json);
        return new AuditReportFile(path, root, errors.Select(e => e.ToString()).ToList());
    }

    /// <summary>The process with this pid in processes[], if the report has it.</summary>
    public JsonElement? Process(int pid)
    {
        foreach (JsonElement process in Root.GetProperty("processes").EnumerateArray())
        {
            if (process.GetProperty("pid").GetInt32() == pid)
            {
                return process;
            }
        }

        return null;
    }

    /// <summary>The object with this id in objects[], if the report has it.</summary>
    public JsonElement? Object(string id)
    {
        foreach (JsonElement obj in Root.GetProperty("objects").EnumerateArray())
        {
            if (obj.GetProperty("id").GetString() == id)
            {
                return obj;
            }
        }

        return null;
    }
}
