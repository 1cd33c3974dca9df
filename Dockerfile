# syntax=docker/dockerfile:1
# Build: compile TypeScript with the full toolchain.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# The native SM2 verifier (native/sm2-openssl) compiles at install against this node's headers.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
COPY native ./native
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

# Run: production dependencies and compiled code only, as an unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/native/sm2-openssl/build/Release/sm2_openssl.node ./native/sm2-openssl/build/Release/
COPY package.json ./
COPY bin ./bin
COPY ca ./ca
COPY templates ./templates
COPY web ./web
# keys-dev/ is deliberately not copied: production refuses development keys anyway.
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/sealtrust.js", "serve"]
