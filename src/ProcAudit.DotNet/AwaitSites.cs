using System.Collections.Concurrent;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// Where in the source an async method is suspended: the file and line of the await its state names, from the portable
/// PDB beside its assembly (or embedded in it). The compiler records, for each state machine's MoveNext, the IL offset
/// of every await's suspension in state order (the AsyncMethodSteppingInformation custom debug information); the
/// sequence point at that offset is the await's line. No PDB, a Windows PDB, or an assembly this process cannot open
/// (another mount namespace) gives no site.
/// </summary>
internal static class AwaitSites
{
    /// <summary>The Kind of the AsyncMethodSteppingInformation custom debug information (the portable PDB format's spec).</summary>
    private static readonly Guid s_asyncSteppingKind = new("54FD2AC5-E925-401A-9C2A-F94F171072F8");

    private const int MaxModules = 64;
    private static readonly ConcurrentDictionary<string, MetadataReaderProvider?> s_pdbs = new(StringComparer.Ordinal);

    /// <summary>"Program.cs:41" for state <paramref name="state"/> of the state machine <paramref name="stateMachine"/>; null when it cannot be told.</summary>
    public static string? Of(ClrType? stateMachine, int? state)
    {
        if (stateMachine is null || state is not int index || index < 0 || stateMachine.Module?.Name is not { Length: > 0 } assembly)
        {
            return null;
        }
        ClrMethod? moveNext = stateMachine.Methods.FirstOrDefault(m => m.Name == "MoveNext");
        if (moveNext is null || (moveNext.MetadataToken >> 24) != 0x06)
        {
            return null;
        }
        try
        {
            MetadataReader? pdb = Pdb(assembly)?.GetMetadataReader();
            return pdb is null ? null : Site(pdb, MetadataTokens.MethodDefinitionHandle(moveNext.MetadataToken & 0xFFFFFF), index);
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            // A PDB that does not read is no site, never a failed view.
            return null;
        }
    }

    private static string? Site(MetadataReader pdb, MethodDefinitionHandle method, int state)
    {
        int? yieldOffset = null;
        foreach (CustomDebugInformationHandle handle in pdb.GetCustomDebugInformation(method))
        {
            CustomDebugInformation info = pdb.GetCustomDebugInformation(handle);
            if (pdb.GetGuid(info.Kind) != s_asyncSteppingKind)
            {
                continue;
            }
            // catch handler offset, then (yield offset, resume offset, resume method) for each await, in state order.
            BlobReader blob = pdb.GetBlobReader(info.Value);
            blob.ReadUInt32();
            for (int i = 0; blob.RemainingBytes > 0; i++)
            {
                uint yield = blob.ReadUInt32();
                blob.ReadUInt32();
                blob.ReadCompressedInteger();
                if (i == state)
                {
                    yieldOffset = (int)yield;
                    break;
                }
            }
        }
        if (yieldOffset is not int offset)
        {
            return null;
        }
        SequencePoint? at = null;
        foreach (SequencePoint point in pdb.GetMethodDebugInformation(method).GetSequencePoints())
        {
            if (point.IsHidden || point.Offset > offset)
            {
                continue;
            }
            if (at is null || point.Offset >= at.Value.Offset)
            {
                at = point;
            }
        }
        if (at is not SequencePoint found)
        {
            return null;
        }
        string file = pdb.GetString(pdb.GetDocument(found.Document).Name);
        return $"{Path.GetFileName(file.Replace('\\', '/'))}:{found.StartLine}";
    }

    private static MetadataReaderProvider? Pdb(string assembly)
    {
        if (s_pdbs.TryGetValue(assembly, out MetadataReaderProvider? known))
        {
            return known;
        }
        if (s_pdbs.Count >= MaxModules)
        {
            return null;
        }
        MetadataReaderProvider? provider = null;
        if (File.Exists(assembly))
        {
            using FileStream stream = File.OpenRead(assembly);
            using PEReader pe = new(stream);
            if (pe.TryOpenAssociatedPortablePdb(assembly, path => File.Exists(path) ? File.OpenRead(path) : null, out MetadataReaderProvider? found, out _))
            {
                provider = found;
            }
        }
        return s_pdbs.GetOrAdd(assembly, provider);
    }
}
