// One test class at a time: the tests attach ClrMD to live targets and some abandon a read on purpose or kill
// the target mid-session. ClrMD's DAC is native code in this test host, and a read of a target that dies under
// it (another class's, running at the same time) crashed the host in CI. The product takes the view in a
// process of its own (OutOfProcessDotNetView); these tests exercise the reader itself, so they share the host.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
