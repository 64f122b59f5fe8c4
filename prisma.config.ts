// Prisma CLI configuration. Weir applies migrations with its own offline migrator
// (`npm run db:migrate`, packages/db/src/migrate), but the layout is the standard one, so
// `prisma migrate deploy` works too wherever the Prisma CLI can fetch its engine.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/weir" },
});
