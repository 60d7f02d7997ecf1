// Loaded by mocha before every test file (.mocharc.json "require"). There is no network in tests:
// a Gateway API manifest that the program would download comes from the chart folder when the
// render tests have one (INGRESS_CHARTS_DIR), else from a trimmed copy in test/fixtures.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { manifestSource } from "../../components/gatewayApiCrds";
import { IN_PLACE_UPDATES } from "../../components/kubernetesProvider";

// The default Kubernetes provider as the committed stacks configure it (tests that need another
// configuration set their own).
pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(IN_PLACE_UPDATES).map(([k, v]) => [`kubernetes:${k}`, String(v)])));

const read = manifestSource.read;
manifestSource.read = (location: string): string => {
    const release = /\/(v[0-9.]+)\/(standard|experimental)-install\.yaml$/.exec(location);
    if (!release) return read(location);
    const file = `gateway-api-${release[1]}-${release[2]}-install.yaml`;
    const folders = [process.env.INGRESS_CHARTS_DIR, path.join(__dirname, "..", "fixtures", "gateway-api")].filter((d): d is string => !!d);
    const found = folders.map((d) => path.join(d, file)).find((f) => fs.existsSync(f));
    if (!found) throw new Error(`no network in tests, and no ${file} in ${folders.join(" or ")}`);
    return fs.readFileSync(found, "utf8");
};

// Pulumi's SDK captures a stack trace for every promise it makes (runtime/debuggable.js, for its
// leak report), and ts-node's source-map support maps each one: most of an evaluation's time under
// mocks. Those traces only ever appear in a leak report, which tests never print: they are left
// out. Every other stack (a failing test's) is mapped as before.
const mapped = Error.prepareStackTrace;
if (mapped) {
    Error.prepareStackTrace = (error, frames) => {
        const caller = frames[0]?.getFileName() ?? "";
        if (caller.endsWith(`${path.sep}runtime${path.sep}debuggable.js`) && caller.includes(`${path.sep}@pulumi${path.sep}pulumi${path.sep}`)) {
            return String(error);
        }
        return mapped(error, frames);
    };
}
