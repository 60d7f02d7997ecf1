// Air-gapped Gateway API mode: a local folder as gatewayApi.crds.repository must hold the CRD
// manifest of the configured release (what `npm run charts:pull` or a download puts there).
import * as fs from "fs";
import * as path from "path";
import { GATEWAY_API_CRDS, gatewayApiManifestFile, isLocalRepository } from "../model/charts";
import type { EdgeSpec } from "../model/types";

/** A problem when the CRD manifest is expected in a local folder that lacks it (none otherwise). */
export function missingGatewayApiManifest(spec: EdgeSpec, baseDir = process.cwd()): string[] {
    const crds = spec.gatewayApi?.crds;
    if (spec.api !== "gateway-api" || !crds?.manage || !isLocalRepository(crds.repository)) return [];
    const wanted = gatewayApiManifestFile(crds.version, GATEWAY_API_CRDS.channel);
    const file = path.resolve(baseDir, crds.repository, wanted);
    if (fs.existsSync(file)) return [];
    const folder = path.dirname(file);
    const present = fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => /^gateway-api-v.*-install\.yaml$/.test(f)) : undefined;
    return [`gatewayApi.crds.repository: ${JSON.stringify(crds.repository)} has no ${wanted} (looked for ${file}); ` +
        (present === undefined ? "the folder does not exist; " : present.length > 0 ? `it holds ${present.join(", ")}; set gatewayApi.crds.version to match or ` : "") +
        `download ${GATEWAY_API_CRDS.repository}/${crds.version}/${GATEWAY_API_CRDS.channel}-install.yaml there as ${wanted}, or set gatewayApi.crds.manage to false if the CRDs are installed otherwise`];
}
