// These tests start real process trees and judge whether they are stuck by timing and CPU use:
// run one at a time, so one test's load never makes another's healthy tree look stuck (or a
// runtime view miss its time budget).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
