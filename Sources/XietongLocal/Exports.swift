// The child processes the local exchange, the tests and the benchmarks start are `XietongProcess`'s, also the
// document tools'; whoever imports XietongLocal has them.
@_exported public import XietongProcess
