using System.Buffers.Binary;
using static ProcAudit.Capture.Native.Native;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// The netlink framing of a sock_diag dump reply (netlink(7), sock_diag(7)), shared by the unix and
/// inet dumps: each received datagram holds 4-byte aligned messages, each an nlmsghdr (len u32,
/// type u16, flags u16, seq u32, pid u32) and a payload. SOCK_DIAG_BY_FAMILY payloads go to
/// <see cref="OnSocket"/>; NLMSG_DONE ends the dump, NLMSG_ERROR carries a negative errno (0 is an
/// acknowledgement). Netlink integers are in the host's byte order, so they are read in this host's
/// order (<see cref="BitConverter.IsLittleEndian"/>): a recorded dump only parses on a host of the
/// same endianness. Every offset is checked before it is read; a malformed message ends the dump
/// with a <see cref="Problem"/>, never an exception.
/// </summary>
internal abstract class SockDiagParser
{
    private readonly uint _sequence;

    /// <param name="sequence">The request's nlmsg_seq; messages with another one are ignored.</param>
    protected SockDiagParser(uint sequence)
    {
        _sequence = sequence;
    }

    /// <summary>NLMSG_DONE, an error, a malformed message or a limit ended the dump.</summary>
    public bool Finished { get; private set; }

    /// <summary>The errno the kernel answered with (NLMSG_ERROR, or a negative NLMSG_DONE payload); 0 if none.</summary>
    public int Errno { get; private set; }

    /// <summary>The parser stopped at its socket limit.</summary>
    public bool Truncated { get; private set; }

    /// <summary>A message carried NLM_F_DUMP_INTR: the socket list changed while it was dumped.</summary>
    public bool Interrupted { get; private set; }

    /// <summary>Why the dump is incomplete or unreadable; null while it is fine.</summary>
    public string? Problem { get; private set; }

    /// <summary>Messages or attributes of a type or size the parser does not know, skipped.</summary>
    public int SkippedMessages { get; protected set; }

    /// <summary>Parses one datagram as recv(2) returned it; returns <see cref="Finished"/>.</summary>
    public bool Feed(ReadOnlySpan<byte> datagram)
    {
        int offset = 0;
        while (!Finished && datagram.Length - offset >= NLMSG_HDRLEN)
        {
            ReadOnlySpan<byte> rest = datagram[offset..];
            uint length = U32(rest, 0);
            ushort type = U16(rest, 4);
            ushort flags = U16(rest, 6);
            uint sequence = U32(rest, 8);
            if (length < NLMSG_HDRLEN || length > rest.Length)
            {
                Fail($"malformed netlink message: length {length} with {rest.Length} bytes left in the datagram");
                break;
            }
            if ((flags & NLM_F_DUMP_INTR) != 0)
            {
                Interrupted = true;
            }
            if (sequence == _sequence)
            {
                Message(type, rest[NLMSG_HDRLEN..(int)length]);
            }
            offset += Align((int)length);
        }
        if (!Finished && offset < datagram.Length)
        {
            Fail($"{datagram.Length - offset} stray bytes after the last netlink message");
        }
        return Finished;
    }

    /// <summary>
    /// The outcome of what was fed so far and a sentence on what is wrong, for <paramref name="what"/>
    /// ("unix sockets", "TCP sockets").
    /// </summary>
    public (SocketProbeOutcome Outcome, string? Problem) Result(string what)
    {
        SocketProbeOutcome outcome = SocketProbeOutcome.Ok;
        string? problem = Problem;
        if (Errno != 0)
        {
            outcome = SocketErrors.ForDiag(Errno);
            problem = outcome == SocketProbeOutcome.Unsupported
                ? $"the kernel cannot list {what} through sock_diag ({SocketErrors.Describe(Errno)})"
                : $"the sock_diag dump of {what} failed: {SocketErrors.Describe(Errno)}";
        }
        else if (problem is not null && !Truncated)
        {
            outcome = SocketProbeOutcome.Failed;
        }
        else if (!Finished)
        {
            outcome = SocketProbeOutcome.Failed;
            problem = $"the sock_diag dump of {what} ended without NLMSG_DONE";
        }
        if (Interrupted && outcome == SocketProbeOutcome.Ok)
        {
            problem = (problem is null ? "" : problem + "; ") + "sockets changed during the dump (NLM_F_DUMP_INTR), so one may be missing";
        }
        return (outcome, problem);
    }

    /// <summary>One SOCK_DIAG_BY_FAMILY payload: the family's diag message and its attributes.</summary>
    protected abstract void OnSocket(ReadOnlySpan<byte> payload);

    /// <summary>Ends the dump at a limit; what was read stays.</summary>
    protected void StopAtLimit(string problem)
    {
        Truncated = true;
        Finished = true;
        Problem ??= problem;
    }

    /// <summary>
    /// Calls <paramref name="onAttribute"/> with (type, value) for each rtattr (len u16, type u16,
    /// value, 4-byte aligned) in <paramref name="attributes"/>; stops at a broken one and counts it.
    /// </summary>
    protected void ForEachAttribute(ReadOnlySpan<byte> attributes, AttributeVisitor onAttribute)
    {
        int offset = 0;
        while (attributes.Length - offset >= 4)
        {
            ushort length = U16(attributes, offset);
            ushort kind = U16(attributes, offset + 2);
            if (length < 4 || length > attributes.Length - offset)
            {
                SkippedMessages++;
                return;
            }
            onAttribute(kind, attributes.Slice(offset + 4, length - 4));
            offset += Align(length);
        }
    }

    /// <summary>Receives one attribute.</summary>
    protected delegate void AttributeVisitor(ushort type, ReadOnlySpan<byte> value);

    private void Message(ushort type, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case NLMSG_DONE:
                // The dump's own return value; negative is an error that cut the dump short.
                if (payload.Length >= 4 && (int)U32(payload, 0) < 0)
                {
                    Errno = -(int)U32(payload, 0);
                }
                Finished = true;
                break;
            case NLMSG_ERROR:
                // struct nlmsgerr: int error, then the request's header.
                if (payload.Length < 4)
                {
                    Fail("NLMSG_ERROR without an error code");
                    break;
                }
                int error = (int)U32(payload, 0);
                if (error != 0)
                {
                    Errno = -error;
                    Finished = true;
                }
                break;
            case NLMSG_OVERRUN:
                Fail("the kernel reported NLMSG_OVERRUN: messages were lost");
                break;
            case SOCK_DIAG_BY_FAMILY:
                OnSocket(payload);
                break;
            default:
                SkippedMessages++;
                break;
        }
    }

    private void Fail(string problem)
    {
        Problem ??= problem;
        Finished = true;
    }

    protected static int Align(int length) => (length + 3) & ~3;

    protected static uint U32(ReadOnlySpan<byte> data, int offset) => BitConverter.IsLittleEndian
        ? BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(offset, 4))
        : BinaryPrimitives.ReadUInt32BigEndian(data.Slice(offset, 4));

    protected static ushort U16(ReadOnlySpan<byte> data, int offset) => BitConverter.IsLittleEndian
        ? BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(offset, 2))
        : BinaryPrimitives.ReadUInt16BigEndian(data.Slice(offset, 2));

    protected static ulong U64(ReadOnlySpan<byte> data, int offset) => BitConverter.IsLittleEndian
        ? BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(offset, 8))
        : BinaryPrimitives.ReadUInt64BigEndian(data.Slice(offset, 8));

    /// <summary>The <paramref name="index"/>th u32 of an SK_MEMINFO array, null if the kernel sent fewer.</summary>
    protected static uint? MemInfoField(ReadOnlySpan<byte> value, int index) => value.Length >= (index + 1) * 4 ? U32(value, index * 4) : null;

    /// <summary>An SK_MEMINFO_* array (INET_DIAG_SKMEMINFO, UNIX_DIAG_MEMINFO), or null if shorter than its first four fields.</summary>
    protected static SkMemInfo? MemInfo(ReadOnlySpan<byte> value) => value.Length < 16
        ? null
        : new SkMemInfo(U32(value, 0), U32(value, 4), U32(value, 8), U32(value, 12),
            MemInfoField(value, 4), MemInfoField(value, 5), MemInfoField(value, 6), MemInfoField(value, 7), MemInfoField(value, 8));
}
