// The Pulumi program: read the stack config, check the cluster, build the edge, export what people need.
import * as pulumi from "@pulumi/pulumi";
import { runPreflight } from "./cluster/run";
import { preflightNeeds } from "./model/preflight";
import { Edge, EdgeArgs, kubernetesProvider } from "./components";
import { edgeArgsFromStackConfig, encryptedConfigKeys, parseStackConfig, programSettings, readStackConfig, stackSecretWarnings } from "./config";

// Every problem of the config, as one plain message, before anything is registered.
const raw = readStackConfig(pulumi.runtime.allConfig(), pulumi.getProject());
const spec = parseStackConfig(raw, { stack: pulumi.getStack() });
const settings = programSettings(raw);
// Secrets of the config that deserve a word (plain text in the stack file, a BGP password FRR cannot use).
for (const warning of stackSecretWarnings(raw, encryptedConfigKeys(pulumi.getProject()))) pulumi.log.warn(warning);
if (settings.preflight) runPreflight(preflightNeeds(spec));

// Render mode: every object goes to YAML files instead of the cluster.
const providers = settings.renderDirectory
    ? [kubernetesProvider("render", { renderYamlToDirectory: settings.renderDirectory })]
    : undefined;
const edge = new Edge("edge", { ...(edgeArgsFromStackConfig(raw) as EdgeArgs), legacyNames: true }, { providers });

/** Per gateway: its MetalLB IP(s), hosts, https:// URLs and ready `curl --resolve` checks. */
export const gateways = edge.gateways;
/** The certificate of the CA that signs the leaves: `pulumi stack output caCertificatePem > ca.crt`. */
export const caCertificatePem = edge.caCertificatePem;
/** Every CA certificate clients should trust (both during a CA rotation): `pulumi stack output caTrustBundle > ca.crt`. */
export const caTrustBundle = edge.caTrustBundle;
/** Lines for /etc/hosts on a client machine, as a list; etcHostsFile is the same as text. */
export const etcHosts = edge.etcHosts;
/** The /etc/hosts lines as one text: `pulumi stack output etcHostsFile | sudo tee -a /etc/hosts`. */
export const etcHostsFile = edge.etcHostsFile;
export const metallbNamespace = edge.metallbNamespace;
export const gatewayNamespace = edge.gatewayNamespace;
/** Per observability addon that is on: its https:// URL, host and gateway. */
export const addons = edge.addons;
/** Grafana's admin password (secret): `pulumi stack output --show-secrets grafanaAdminPassword`. */
export const grafanaAdminPassword = edge.grafanaAdminPassword;
