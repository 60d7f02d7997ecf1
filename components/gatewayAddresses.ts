// A gateway's IPs and what follows from them, shared by both kinds of gateway component: the same
// checks when the IPs are known and when they arrive at deploy time, and the endpoints' curl lines.
import * as pulumi from "@pulumi/pulumi";
import { plainConfigError } from "./deferred";
import { PlannedEndpoint, PlannedGateway, curlCommand } from "../model/plan";
import { ipFamily } from "../model/values";
import { parseIp } from "../policy/lib/addresses";

/** Problems with a gateway's IPs (the ones knowable without the pools). */
export function gatewayIpProblems(ips: unknown, key: string): string[] {
    if (!Array.isArray(ips)) return [`${key}: ${JSON.stringify(ips) ?? "undefined"} is not one address, or one IPv4 and one IPv6 address (dual-stack)`];
    const problems = ips.flatMap((ip, i) => typeof ip === "string" && parseIp(ip) && !/\s/.test(ip) ? [] : [`${key}${ips.length > 1 ? `[${i}]` : ""}: ${JSON.stringify(ip) ?? "undefined"} is not an IP address; expected an IPv4 or IPv6 address inside one of the MetalLB pools`]);
    if (problems.length === 0 && (ips.length < 1 || ips.length > 2 || (ips.length === 2 && ipFamily(ips[0]) === ipFamily(ips[1])))) {
        problems.push(`${key}: ${JSON.stringify(ips)} is not one address, or one IPv4 and one IPv6 address (dual-stack)`);
    }
    return problems;
}

/**
 * The gateway's IPs: the plan's, or `ips` when they come from other resources. Known IPs are
 * checked now (before the caller registers anything more); late ones when they arrive.
 */
export function gatewayIps(plan: PlannedGateway, ips: pulumi.Input<pulumi.Input<string>[]> | undefined, subject: string): pulumi.Output<string[]> {
    const key = `gateways.${plan.spec.name}.ip`;
    const check = (values: string[]) => {
        const problems = gatewayIpProblems(values, key);
        if (problems.length > 0) throw plainConfigError(problems, subject);
        return values;
    };
    if (ips === undefined) check(plan.spec.ips);
    return pulumi.output(ips ?? plan.spec.ips).apply(check);
}

/** The plan's endpoints, their curl lines on the gateway's primary IP. */
export function endpointsOn(plan: PlannedGateway, ips: pulumi.Output<string[]>): pulumi.Output<PlannedEndpoint[]> {
    return ips.apply((values) => plan.endpoints.map((e) => ({ ...e, curl: curlCommand(e, values[0]) })));
}
