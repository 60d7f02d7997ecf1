// The problems a config is refused with, for one-mistake-at-a-time tests.
import * as assert from "assert";
import { ConfigError, parseStackConfig } from "../../config";

/** The problems of a raw config, which must be refused with a ConfigError. */
export function problemsOf(raw: Record<string, any>): string[] {
    try {
        parseStackConfig(raw);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return err.problems;
    }
    assert.fail("the config was accepted");
}

/** Exactly one problem, matching every pattern: one mistake, one message. It is returned. */
export function oneProblem(raw: Record<string, any>, ...patterns: RegExp[]): string {
    const problems = problemsOf(raw);
    assert.strictEqual(problems.length, 1, `one mistake, one message; got:\n${problems.join("\n")}`);
    for (const re of patterns) assert.match(problems[0], re);
    return problems[0];
}
