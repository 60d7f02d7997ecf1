// Mocha's spec reporter, plus a machine-readable summary (passed/failed/pending counts) written
// to $TEST_SUMMARY_FILE when set, so CI can print one plain line of totals.
"use strict";
const fs = require("fs");
const Mocha = require("mocha");

class SpecWithSummary extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const file = process.env.TEST_SUMMARY_FILE;
            if (file) {
                const { passes, failures, pending, tests } = this.stats;
                fs.writeFileSync(file, JSON.stringify({ passes, failures, pending, tests }) + "\n");
            }
        });
    }
}

module.exports = SpecWithSummary;
