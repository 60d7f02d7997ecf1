import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { KeyAlgorithm } from "../config";
import { PACKAGE } from "./naming";

/** A leaf certificate to issue and the Kubernetes TLS secret to store it in. */
export interface LeafCertificateSpec {
    /** Unique id among the leaves; names the Pulumi resources. */
    id: string;
    /** DNS names; the first is the common name, all are SANs. */
    hosts: string[];
    /** Name of the `kubernetes.io/tls` secret, referred to by a Gateway's `credentialName`. */
    secretName: string;
    /** Namespace of the secret: the namespace of the gateway pods that serve it. */
    secretNamespace: string;
}

/** Inputs of {@link CertificateAuthority}. */
export interface CertificateAuthorityArgs {
    /** Common name of the CA certificate. */
    commonName: string;
    /** Lifetime of the CA certificate, in hours. */
    caValidityHours: number;
    /** Lifetime of each leaf certificate, in hours. */
    validityHours: number;
    /** A `pulumi up` within this many hours of a leaf's expiry re-issues it. */
    earlyRenewalHours: number;
    /** Key algorithm of the CA and of every leaf. */
    keyAlgorithm: KeyAlgorithm;
    /** Leaves to issue. */
    certificates: LeafCertificateSpec[];
    /**
     * Protect the CA key and certificate: Pulumi then refuses to delete or replace them, so a
     * refactor cannot silently swap the CA that every client trusts.
     */
    protect?: boolean;
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
 * A private CA (key + self-signed certificate) and leaf certificates signed by it, each stored
 * in a `kubernetes.io/tls` secret.
 */
export class CertificateAuthority extends pulumi.ComponentResource {
    /** The CA certificate (public): what clients must trust. */
    readonly certificatePem: pulumi.Output<string>;
    readonly certificates: IssuedCertificate[];

    constructor(name: string, args: CertificateAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:pki:CertificateAuthority`, name, {}, opts);

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
        this.certificatePem = caCert.certPem;

        this.certificates = args.certificates.map((spec) => {
            const key = new tls.PrivateKey(`${name}-${spec.id}-key`, keyArgs(args.keyAlgorithm), { parent: this });
            const request = new tls.CertRequest(`${name}-${spec.id}-csr`, {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: spec.hosts[0], organization: PACKAGE },
                dnsNames: spec.hosts,
            }, { parent: this });
            const cert = new tls.LocallySignedCert(`${name}-${spec.id}-cert`, {
                certRequestPem: request.certRequestPem,
                caPrivateKeyPem: caKey.privateKeyPem,
                caCertPem: caCert.certPem,
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
