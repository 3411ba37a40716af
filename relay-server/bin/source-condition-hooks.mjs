// Module resolve hook: resolve workspace packages through their "source"
// export condition (src/index.ts) when the relay runs from its sources.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('source') ? context.conditions : [...context.conditions, 'source'];
  return nextResolve(specifier, { ...context, conditions });
}
