// What the studio's content security policy (renderer/index.html, app/main.ts) allows at run time.

let evalAllowed: boolean | null = null;

/**
 * Whether code can be built from strings (`new Function`). The policy has no 'unsafe-eval', so
 * this is false in the studio; Plotly's WebGL traces need it (regl compiles its drawing code).
 */
export function canEval(): boolean {
  if (evalAllowed === null) {
    try {
      evalAllowed = new Function('return true')() === true;
    } catch {
      evalAllowed = false;
    }
  }
  return evalAllowed;
}
