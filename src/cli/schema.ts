/**
 * Builds the GraphQL schema from the code-first resolvers, the same way the server does,
 * and prints it as SDL. `npm run schema` writes it to schema.graphql; a test fails when
 * the committed file differs.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { RESOLVERS } from '../app.module.js';

export async function buildSchemaSdl(): Promise<string> {
  const app = await NestFactory.create(GraphQLSchemaBuilderModule, { logger: false });
  await app.init();
  const factory = app.get(GraphQLSchemaFactory);
  const schema = await factory.create(RESOLVERS, { dateScalarMode: 'isoDate', numberScalarMode: 'integer' });
  await app.close();
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\/dist\//, '/dist/'))) {
  const out = process.argv[2] ?? 'schema.graphql';
  writeFileSync(out, await buildSchemaSdl());
  process.stdout.write(`wrote ${out}\n`);
}
