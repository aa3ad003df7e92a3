// The synthetic world the fixture model pack understands (docs/synthetic-world.md).
export {};
