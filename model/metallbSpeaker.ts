// The speaker's BGP backend as chart values (charts/metallb values.yaml @v0.16.1): FRR-K8s when BGP
// is used — the chart's default, MetalLB's recommended mode, the only one with BFD among the modes
// that are not deprecated — and none for layer 2 alone, whose speaker needs no FRR containers.
// A user's own frr-k8s (`frrk8s.external: true`) is followed: the chart then must not run its
// bundled one (it refuses both), so the program's `frrk8s.enabled` gives way.
const isMap = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

export function speakerValues(bgp: boolean, extra?: Record<string, unknown>): Record<string, unknown> {
    const external = isMap(extra?.frrk8s) && extra!.frrk8s.external === true;
    return { frrk8s: { enabled: bgp && !external }, speaker: { frr: { enabled: false } } };
}
