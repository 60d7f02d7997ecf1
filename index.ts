// The Pulumi program: validate the stack config, build the edge, export what people need.
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, rawConfigFrom } from "./config";
import { deployEdge } from "./components/edge";

// Throws a ConfigError listing every problem before any resource is registered.
const config = parseStackConfig(rawConfigFrom(pulumi.runtime.allConfig(), pulumi.getProject()));
const edge = deployEdge(config);

/** Per gateway: its MetalLB IP, hosts, https:// URLs and ready `curl --resolve` checks. */
export const gateways = edge.gateways;
/** The private CA certificate; save it with `pulumi stack output caCertificatePem > ca.crt`. */
export const caCertificatePem = edge.caCertificatePem;
/** Lines to append to /etc/hosts on a client machine. */
export const etcHosts = edge.etcHosts;
export const metallbNamespace = edge.metallbNamespace;
export const gatewayNamespace = edge.gatewayNamespace;
