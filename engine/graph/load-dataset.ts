// Loads a dataset folder (dataset.yaml + CSV) into a graph store at the start of a run.
import { PcqError } from '../base/errors.ts';
import type { DatasetLoadReport, GraphStore } from '../base/graph-store.ts';
import { readDataset } from './read-dataset.ts';

export async function loadDataset(store: GraphStore, datasetDir: string): Promise<DatasetLoadReport> {
  if (!store.loadDataset) {
    throw new PcqError({
      code: 'PCQ_GRAPH_UNSUPPORTED',
      message: `the ${store.backend} graph store cannot load datasets`,
      hint: 'Use the embedded (kuzu) or Neo4j backend, or drop `dataset:` from the runbook.',
    });
  }
  const dataset = await readDataset(datasetDir);
  return store.loadDataset(dataset);
}
