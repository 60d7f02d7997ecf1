// The render tests' only contact with the project's test helpers (which others may reshape):
// evaluating a committed stack under mocks.
import { evaluateStackEdge } from "../helpers/edge";
import type { ProgramEvaluation } from "./render";

const evaluations = new Map<string, Promise<ProgramEvaluation>>();

/**
 * The program for a committed stack file (Pulumi.<stack>.yaml), evaluated under mocks once per
 * run: callers only read it (edits go to copies).
 */
export function evaluateStack(stack: string): Promise<ProgramEvaluation> {
    let evaluation = evaluations.get(stack);
    if (!evaluation) {
        evaluation = evaluateStackEdge(stack);
        evaluations.set(stack, evaluation);
    }
    return evaluation;
}
