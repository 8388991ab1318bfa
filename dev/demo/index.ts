export { createDemoRoutes, demoContentSecurityPolicy } from './demo-routes.js';
