import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { declareAccess } from './auth.ts';
import { docsCsp } from './security-headers.ts';

/** The OpenAPI document and the /docs page are generated from the routes' zod schemas. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'iHanoi signage API',
          description:
            'API điều khiển màn hình quảng bá iHanoi. / Control API for the iHanoi screen campaign. Errors are application/problem+json with a stable `code`.',
          version: '1.0.0',
        },
        components: {
          securitySchemes: {
            session: {
              type: 'http',
              scheme: 'bearer',
              description: 'Session token from POST /api/v1/auth/login (or the `sid` cookie).',
            },
          },
        },
        security: [{ session: [] }],
      },
      transform: jsonSchemaTransform,
    });
    // /docs and its files are public, like the OpenAPI document itself.
    const https = app.config.publicUrl?.startsWith('https:') ?? false;
    await app.register(
      declareAccess(
        'public',
        swaggerUi,
        // No validator badge from swagger.io: the page loads nothing from elsewhere.
        { routePrefix: '/docs', uiConfig: { validatorUrl: null } },
        { helmet: { contentSecurityPolicy: { useDefaults: false, directives: docsCsp(https) } } },
      ),
    );
    app.get('/api/v1/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () =>
      app.swagger(),
    );
  },
  { name: 'openapi', dependencies: ['errors', 'auth'] },
);
