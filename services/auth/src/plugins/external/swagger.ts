import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

/** The OpenAPI document is generated from the route schemas: one source for validation and docs. */
export default fp(
  async (fastify) => {
    await fastify.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'pinline',
          version: '1.0.0',
          description:
            'Verification service for contact centres: SMS one-time PINs, known callers, Amazon Connect and Amazon Lex V2 channels.',
          license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
        },
        components: {
          securitySchemes: {
            apiKey: {
              type: 'http',
              scheme: 'bearer',
              description:
                "One of the keys in API_KEYS, with the route's scope (channels, verify or admin; 403 FORBIDDEN_SCOPE without it)",
            },
          },
        },
      },
    })
    await fastify.register(swaggerUi, { routePrefix: '/docs' })
    fastify.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger())
  },
  { name: 'swagger' },
)
