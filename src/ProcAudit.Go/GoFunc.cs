namespace ProcAudit.Go;

/// <summary>One decoded runtime._func record of the pclntab.</summary>
/// <param name="Offset">Offset of the record within the pclntab bytes.</param>
/// <param name="Entry">The function's first instruction address.</param>
/// <param name="NameOffset">Offset of the name in the function name table.</param>
/// <param name="PcSp">pc-value table offset of the frame size.</param>
/// <param name="PcFile">pc-value table offset of the file index.</param>
/// <param name="PcLn">pc-value table offset of the line.</param>
/// <param name="PcdataCount">Number of PCDATA tables that follow the record.</param>
/// <param name="CuOffset">The compilation unit's first slot in cutab.</param>
/// <param name="FuncId">The runtime's funcID (special functions).</param>
/// <param name="Flag">funcFlag bits (TOPFRAME, SPWRITE, ASM).</param>
/// <param name="FuncdataCount">Number of FUNCDATA offsets after the PCDATA ones.</param>
/// <param name="Args">Size of the arguments area in bytes (negative when unknown, as for assembly).</param>
internal readonly record struct GoFunc(
    int Offset,
    ulong Entry,
    int NameOffset,
    uint PcSp,
    uint PcFile,
    uint PcLn,
    uint PcdataCount,
    uint CuOffset,
    byte FuncId,
    byte Flag,
    byte FuncdataCount,
    int Args);
