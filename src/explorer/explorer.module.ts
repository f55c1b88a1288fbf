import { Module } from '@nestjs/common';
import { ExplorerController } from './explorer.controller';
import { RootController } from './root.controller';

@Module({
  controllers: [RootController, ExplorerController],
})
export class ExplorerModule {}
