// The pure model of an edge: its types, its checks and its plan. Nothing here imports Pulumi, so
// everything is tested directly and fast.
export * from "./types";
export * from "./charts";
export * from "./names";
export * from "./hosts";
export * from "./routes";
export * from "./values";
export * from "./validate";
export * from "./plan";
export * from "./addons";
export * from "./addonChecks";
export * from "./gatewayApi";
export * from "./ca";
export * from "./preflight";
export * from "./istiod";
export * from "./valuesChecks";
export * from "./versions";
export * from "./lifecycle";
export * from "./metallb";
