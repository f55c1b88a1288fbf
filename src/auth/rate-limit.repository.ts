import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import { SharedWindowCounter } from './fleet-rate-limiter';

/** The only code that reads and writes the rate-limit windows shared by the instances. */
@Injectable()
export class RateLimitRepository extends SharedWindowCounter {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  /** One statement, atomic on both databases: concurrent instances each see their own sum. */
  async add(apiKeyId: string, windowStart: number, amount: number): Promise<number> {
    await this.prisma.ready;
    const rows = await this.prisma.client.$queryRaw<{ count: number | bigint }[]>`
      INSERT INTO "RateLimitWindow" ("apiKeyId", "windowStart", "count") VALUES (${apiKeyId}, ${BigInt(windowStart)}, ${amount})
      ON CONFLICT ("apiKeyId", "windowStart") DO UPDATE SET "count" = "RateLimitWindow"."count" + EXCLUDED."count"
      RETURNING "count"`;
    return Number(rows[0].count);
  }

  async sum(apiKeyId: string, from: number, to: number): Promise<number> {
    await this.prisma.ready;
    const result = await this.prisma.client.rateLimitWindow.aggregate({
      _sum: { count: true },
      where: { apiKeyId, windowStart: { gte: BigInt(from), lt: BigInt(to) } },
    });
    return result._sum.count ?? 0;
  }

  async deleteBefore(before: number): Promise<number> {
    await this.prisma.ready;
    return (await this.prisma.client.rateLimitWindow.deleteMany({ where: { windowStart: { lt: BigInt(before) } } })).count;
  }
}
