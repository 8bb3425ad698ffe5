import { Router } from 'express';
import type { AppContext } from '../../app/context.ts';

export function scenariosPages(_ctx: AppContext): Router {
  return Router();
}
