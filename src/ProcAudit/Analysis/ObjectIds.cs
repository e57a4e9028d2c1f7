namespace ProcAudit.Analysis;

/// <summary>The wait objects' ids (<c>kind:pid:address</c>, as <c>futex:1234:0x7f3a...</c>) read back into words.</summary>
internal static class ObjectIds
{
    /// <summary>The address an id ends with (<c>0x7f3a...</c>): what a report names a lock by.</summary>
    public static string Address(string id) => id[(id.LastIndexOf(':') + 1)..];
}
