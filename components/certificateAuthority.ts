import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { ConfigError } from "../config/errors";
import { caMaterialProblems } from "../model/ca";
import { PACKAGE } from "../model/names";
import { plainConfigError } from "./deferred";
import type { KeyAlgorithm } from "../model/types";

/** A leaf certificate to issue and the Kubernetes TLS secret to store it in. */
export interface LeafCertificateSpec {
    /** Unique id among the leaves, never "ca"; names the Pulumi resources. */
    id: string;
    /** DNS names; the first is the common name, all are SANs. */
    hosts: string[];
    /** Name of the `kubernetes.io/tls` secret, referred to by a Gateway's `credentialName`. */
    secretName: string;
    /** Namespace of the secret: the namespace of the gateway pods that serve it. */
    secretNamespace: pulumi.Input<string>;
}

/** An existing CA to sign with instead of generating one. */
export interface ExistingCa {
    /** The CA certificate, PEM. */
    certificatePem: pulumi.Input<string>;
    /** The CA private key, PEM; pass a secret (it is made one in any case). */
    privateKeyPem: pulumi.Input<string>;
}

/** Inputs of {@link CertificateAuthority}. */
export interface CertificateAuthorityArgs {
    /** Common name of the generated CA certificate. */
    commonName: string;
    /** Lifetime of the generated CA certificate, in hours. */
    caValidityHours: number;
    /** Lifetime of each leaf certificate, in hours. */
    validityHours: number;
    /** A `pulumi up` within this many hours of a leaf's expiry re-issues it. */
    earlyRenewalHours: number;
    /** Key algorithm of the generated CA and of every leaf. */
    keyAlgorithm: KeyAlgorithm;
    /** Leaves to issue. */
    certificates: LeafCertificateSpec[];
    /**
     * Protect the CA key and certificate: Pulumi then refuses to delete or replace them, so a
     * refactor cannot silently swap the CA that every client trusts.
     */
    protect?: boolean;
    /** Sign with this CA instead of generating one. */
    bringYourOwnCa?: ExistingCa;
    /** Resources the secrets must wait for (their namespaces). */
    secretDependencies?: pulumi.Resource[];
}

/** An issued leaf and the secret holding it. */
export interface IssuedCertificate {
    spec: LeafCertificateSpec;
    certificatePem: pulumi.Output<string>;
    /** Secret output: never exported in plain text. */
    privateKeyPem: pulumi.Output<string>;
    secret: k8s.core.v1.Secret;
}

function keyArgs(algorithm: KeyAlgorithm): tls.PrivateKeyArgs {
    const [family, size] = algorithm.split("-");
    return family === "RSA" ? { algorithm: "RSA", rsaBits: Number(size) } : { algorithm: "ECDSA", ecdsaCurve: size };
}

/**
 * A private CA (generated: key + self-signed certificate; or brought by the user) and leaf
 * certificates signed by it, each stored in a `kubernetes.io/tls` secret.
 */
export class CertificateAuthority extends pulumi.ComponentResource {
    /** The CA certificate (public): what clients must trust. */
    readonly certificatePem: pulumi.Output<string>;
    readonly certificates: IssuedCertificate[];

    constructor(name: string, args: CertificateAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:pki:CertificateAuthority`, name, {}, opts);

        const ids = args.certificates.map((c) => c.id);
        const clash = ids.find((id, i) => id === "ca" || ids.indexOf(id) !== i);
        if (clash !== undefined) {
            throw new ConfigError([`certificates: id ${JSON.stringify(clash)} is ${clash === "ca" ? "the CA's own" : "used twice"}; give each leaf a unique id other than "ca"`], `args of CertificateAuthority ${name}`);
        }

        let caCertPem: pulumi.Output<string>;
        let caKeyPem: pulumi.Output<string>;
        if (args.bringYourOwnCa) {
            const material = pulumi.all([args.bringYourOwnCa.certificatePem, args.bringYourOwnCa.privateKeyPem]).apply(([cert, key]) => {
                const problems = caMaterialProblems(cert, key);
                if (problems.length > 0) throw plainConfigError(problems, `CA of ${name}`);
                return { cert, key };
            });
            caCertPem = material.apply((m) => m.cert);
            caKeyPem = pulumi.secret(material.apply((m) => m.key));
        } else {
            const caOpts = { parent: this, protect: args.protect ?? false };
            const caKey = new tls.PrivateKey(`${name}-ca-key`, keyArgs(args.keyAlgorithm), caOpts);
            // No early renewal for the CA: replacing it would break every client that trusts it.
            const caCert = new tls.SelfSignedCert(`${name}-ca-cert`, {
                privateKeyPem: caKey.privateKeyPem,
                isCaCertificate: true,
                subject: { commonName: args.commonName, organization: PACKAGE },
                validityPeriodHours: args.caValidityHours,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            }, caOpts);
            caCertPem = caCert.certPem;
            caKeyPem = caKey.privateKeyPem;
        }
        this.certificatePem = caCertPem;

        this.certificates = args.certificates.map((spec) => {
            const key = new tls.PrivateKey(`${name}-${spec.id}-key`, keyArgs(args.keyAlgorithm), { parent: this });
            const request = new tls.CertRequest(`${name}-${spec.id}-csr`, {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: spec.hosts[0], organization: PACKAGE },
                dnsNames: spec.hosts,
            }, { parent: this });
            const cert = new tls.LocallySignedCert(`${name}-${spec.id}-cert`, {
                certRequestPem: request.certRequestPem,
                caPrivateKeyPem: caKeyPem,
                caCertPem,
                validityPeriodHours: args.validityHours,
                earlyRenewalHours: args.earlyRenewalHours,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
            }, { parent: this });
            const privateKeyPem = pulumi.secret(key.privateKeyPem);
            const secret = new k8s.core.v1.Secret(`${name}-${spec.id}-secret`, {
                metadata: { name: spec.secretName, namespace: spec.secretNamespace },
                type: "kubernetes.io/tls",
                stringData: { "tls.crt": cert.certPem, "tls.key": privateKeyPem },
            }, { parent: this, dependsOn: args.secretDependencies ?? [], additionalSecretOutputs: ["data", "stringData"] });
            return { spec, certificatePem: cert.certPem, privateKeyPem, secret };
        });

        this.registerOutputs({ certificatePem: this.certificatePem });
    }
}
