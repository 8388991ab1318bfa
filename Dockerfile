# Production image: compiled JavaScript, production dependencies only, non-root.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY openapi.yaml ./openapi.yaml
USER node
EXPOSE 8080
# BROKER_CONFIG must point at a mounted config file; without it the image would start local mode.
ENV BROKER_CONFIG=/etc/oss-sts-broker/config.yaml
CMD ["node", "dist/main.js"]
