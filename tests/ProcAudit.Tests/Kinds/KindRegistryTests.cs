using System.Text.Json;
using ProcAudit.Kinds;
using ProcAudit.Reporting;

namespace ProcAudit.Tests.Kinds;

/// <summary>
/// Every kind has its module, each module claims exactly the kinds it is found for, and the schema
/// names the same kinds: a kind added in one place and not the others fails here (or, for a
/// registry arm, does not build).
/// </summary>
public sealed class KindRegistryTests
{
    [Fact]
    public void Every_descriptor_kind_is_explained_by_the_module_that_claims_it()
    {
        foreach (FdKind kind in Enum.GetValues<FdKind>())
        {
            Assert.Contains(kind, KindRegistry.ForFd(kind).FdKinds);
        }
        foreach (IDescriptorKind module in KindRegistry.Descriptors)
        {
            Assert.All(module.FdKinds, k => Assert.Same(module, KindRegistry.ForFd(k)));
        }
    }

    [Fact]
    public void Every_object_kind_is_listed_by_the_module_that_claims_it_in_both_orders()
    {
        foreach (ObjectKind kind in Enum.GetValues<ObjectKind>())
        {
            ObjectKindModule module = KindRegistry.ForObject(kind);
            Assert.Contains(kind, module.ObjectKinds);
            Assert.Contains(module, KindRegistry.Objects);
            Assert.Contains(module, KindRegistry.Blocks);
        }
        Assert.Equal(KindRegistry.Objects.Count, KindRegistry.Objects.Distinct().Count());
        Assert.Equal(KindRegistry.Objects.ToHashSet(), KindRegistry.Blocks.ToHashSet());
        Assert.All(KindRegistry.Objects, m => Assert.All(m.ObjectKinds, k => Assert.Same(m, KindRegistry.ForObject(k))));
    }

    [Fact]
    public void The_schema_names_exactly_the_kinds_the_code_writes()
    {
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "docs", "report.schema.json")));
        JsonElement definitions = schema.RootElement.GetProperty("definitions");
        string[] Enum(string definition) =>
            definitions.GetProperty(definition).GetProperty("properties").GetProperty("kind").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToArray();

        Assert.Equal(System.Enum.GetValues<FdKind>().Select(k => k.Name()), Enum("fd"));
        Assert.Equal(System.Enum.GetValues<ObjectKind>().Select(k => k.Name()), Enum("object"));
    }

    [Theory]
    [InlineData(FdKind.Eventpoll, "\"eventpoll\"")]
    [InlineData(FdKind.Tcp6, "\"tcp6\"")]
    [InlineData(FdKind.Pipe, "\"pipe\"")]
    public void Descriptor_kinds_are_written_as_they_always_were(FdKind kind, string json)
    {
        Assert.Equal(json, JsonSerializer.Serialize(kind, ReportJson.Options));
        Assert.Equal(kind, JsonSerializer.Deserialize<FdKind>(json, ReportJson.Options));
    }
}
