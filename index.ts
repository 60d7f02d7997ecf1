// The Pulumi program: read the stack config, build the edge, export what people need.
import * as pulumi from "@pulumi/pulumi";
import { Edge, EdgeArgs } from "./components";
import { readStackConfig } from "./config";

// Throws a ConfigError (printed as a plain message) listing every problem, before any resource exists.
const edge = new Edge("edge", { ...(readStackConfig(pulumi.runtime.allConfig(), pulumi.getProject()) as EdgeArgs), legacyNames: true });

/** Per gateway: its MetalLB IP(s), hosts, https:// URLs and ready `curl --resolve` checks. */
export const gateways = edge.gateways;
/** The private CA certificate; save it with `pulumi stack output caCertificatePem > ca.crt`. */
export const caCertificatePem = edge.caCertificatePem;
/** Lines to append to /etc/hosts on a client machine. */
export const etcHosts = edge.etcHosts;
export const metallbNamespace = edge.metallbNamespace;
export const gatewayNamespace = edge.gatewayNamespace;
