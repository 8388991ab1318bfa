export { createDemoRoutes, demoContentSecurityPolicy, type DemoRoutesOptions } from './demo-routes.js';
