namespace ProcAudit.Python;

/// <summary>
/// The addresses, in the target, of the type objects the reader checks each object against: a pointer that is not
/// to an object of the expected type is garbage, a torn read, or a freed object reused.
/// </summary>
/// <param name="Code">PyCode_Type.</param>
/// <param name="Unicode">PyUnicode_Type (str).</param>
/// <param name="Bytes">PyBytes_Type.</param>
/// <param name="Frame">PyFrame_Type, checked on 3.8 to 3.10 frame objects.</param>
internal sealed record PythonTypes(ulong Code, ulong Unicode, ulong Bytes, ulong Frame)
{
    /// <summary>The same types where a library loaded with <paramref name="bias"/> has them.</summary>
    public PythonTypes Relocated(ulong bias) => new(Code + bias, Unicode + bias, Bytes + bias, Frame + bias);
}
