import type { Context } from 'koa';
import type { ActionContext, Principal } from '../service/access/principal.js';

export function principalOf(ctx: Context): Principal {
  return (ctx.state.principal as Principal | undefined) ?? { kind: 'anonymous' };
}

export function actionContext(ctx: Context): ActionContext {
  return { principal: principalOf(ctx), requestId: (ctx.state.requestId as string | undefined) ?? null };
}
