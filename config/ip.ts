// MetalLB address maths lives in the policy pack (which must be self-contained), so that the
// program's validation and the pack's rules agree on what a pool contains.
export * from "../policy/lib/addresses";
