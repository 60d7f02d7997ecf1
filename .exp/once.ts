import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
(async () => {
  const logs: string[] = [];
  const orig = (pulumi.log as any).error;
  await pulumi.runtime.setMocks({ newResource: (a: any) => ({ id: a.name, state: a.inputs }), call: (a: any) => a.inputs }, "p", "s", false);
  process.on("unhandledRejection", (e: any) => logs.push("unhandled: " + String(e?.message ?? e).slice(0, 80)));
  const bad = pulumi.output(Promise.resolve(undefined as any)).apply((v) => { throw new pulumi.RunError("gateways[0].ip: undefined is not an IP"); });
  for (let i = 0; i < 3; i++) new k8s.core.v1.ConfigMap(`cm${i}`, { data: { ip: bad } });
  await new Promise((r) => setTimeout(r, 1500));
  console.log(logs);
})();
