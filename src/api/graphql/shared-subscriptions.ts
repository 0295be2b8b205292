import { createSourceEventStream, execute, print, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { GqlContext } from '../auth/request-context.js';

type Execution = ExecutionResult | Promise<ExecutionResult>;

/**
 * Results already computed for one source event, by subscription key. Keyed weakly on the
 * event, so they go when the event has been delivered to everyone.
 */
const resultsByEvent = new WeakMap<object, Map<string, Execution>>();

/**
 * graphql-js's `subscribe`, except that subscribers asking the same thing (same document,
 * operation, variables and scopes) share one execution per event: when an event fans out
 * to a thousand subscribers, the selection is resolved once instead of a thousand times.
 *
 * Sharing needs the event source to hand every subscriber the same payload object for the
 * same event (`follow` does); a payload seen once is executed as graphql-js would. The
 * result depends only on what the key holds: resolvers see the context's scopes and the
 * process's shared subscription loaders, never the individual connection.
 */
export async function subscribeSharingExecution(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source;
  const key = subscriptionKey(args);
  const run = (payload: unknown): Execution => {
    if (payload === null || typeof payload !== 'object') return execute({ ...args, rootValue: payload });
    let results = resultsByEvent.get(payload);
    if (!results) resultsByEvent.set(payload, (results = new Map()));
    let result = results.get(key);
    if (!result) results.set(key, (result = execute({ ...args, rootValue: payload })));
    return result;
  };
  return mapEvents(source[Symbol.asyncIterator](), run);
}

function subscriptionKey(args: ExecutionArgs): string {
  const context = args.contextValue as GqlContext | undefined;
  const scopes = context?.principal ? [...context.principal.scopes].sort().join(' ') : '';
  const document = args.document.loc?.source.body ?? print(args.document);
  return JSON.stringify([document, args.operationName ?? null, args.variableValues ?? null, scopes]);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function';
}

/**
 * Maps an event iterator to results. `return()` goes straight to the source, so a client
 * that completes is unsubscribed at once, not at the next event (as an async generator
 * waiting in `for await` would be).
 */
function mapEvents(source: AsyncIterator<unknown>, run: (payload: unknown) => Execution): AsyncGenerator<ExecutionResult> {
  const iterator: AsyncGenerator<ExecutionResult> = {
    async next() {
      const event = await source.next();
      return event.done ? { value: undefined, done: true } : { value: await run(event.value), done: false };
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
