namespace ProcAudit.TestSupport;

/// <summary>What a command run by <see cref="BoundedCommand"/> printed and returned.</summary>
/// <param name="Survivors">Live processes still in the command's session after it exited (and a short settle), before they were killed.</param>
internal sealed record CommandResult(int ExitCode, string Stdout, string Stderr, IReadOnlyList<ProcStat> Survivors)
{
    public string Output => Stdout + Stderr;
}

/// <summary>
/// Runs a command that is expected to finish (a compiler, `go build`, the tool itself) in a session of its own
/// (<see cref="SessionChild"/>), bounded in time, and kills whatever is left of that session on every path:
/// success, failure, timeout, exception.
/// </summary>
internal static class BoundedCommand
{
    /// <summary>Bounds the wait for stdout and stderr to close once the session is dead.</summary>
    private static readonly TimeSpan s_drainBound = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs <paramref name="file"/> and returns its result; past <paramref name="timeout"/> the session is killed and
    /// a <see cref="TimeoutException"/> says so. An <paramref name="environment"/> value of null removes the variable.
    /// </summary>
    public static CommandResult Run(
        string file,
        IReadOnlyList<string> args,
        TimeSpan timeout,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? survivorSettle = null)
    {
        string described = string.Join(' ', new[] { file }.Concat(args));
        using SessionChild child = SessionChild.Start(file, args, workingDirectory, environment);
        Task<string> stdout = child.Process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = child.Process.StandardError.ReadToEndAsync();
        int exitCode;
        IReadOnlyList<ProcStat> survivors;
        try
        {
            if (!child.Process.WaitForExit(timeout))
            {
                throw new TimeoutException($"{described} did not finish within {timeout.TotalSeconds:0.#} s; its session was killed");
            }

            exitCode = child.Process.ExitCode;
            survivors = Sessions.MembersAfter(child.Pid, survivorSettle ?? TimeSpan.Zero);
        }
        finally
        {
            child.KillSession();
        }

        // A survivor holding the output pipes is dead now, so they close.
        if (!Task.WaitAll([stdout, stderr], s_drainBound))
        {
            throw new TimeoutException($"the output of {described} was still open {s_drainBound.TotalSeconds} s after its session was killed");
        }

        return new CommandResult(exitCode, stdout.Result, stderr.Result, survivors);
    }
}
