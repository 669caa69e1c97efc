using Xunit;

// Model construction draws from libtorch's global generator; parallel tests would interleave those draws
// and break the same-seed ⇒ same-run assertions.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
