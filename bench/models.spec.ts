/** The light model's width comes from the environment once, when the bench's modules load. */
function loadModels(setting: string | undefined): typeof import('./models') {
  const before = process.env.BENCH_LIGHT_FEATURES;
  if (setting === undefined) delete process.env.BENCH_LIGHT_FEATURES;
  else process.env.BENCH_LIGHT_FEATURES = setting;
  try {
    let models: typeof import('./models') | undefined;
    jest.isolateModules(() => {
      models = jest.requireActual<typeof import('./models')>('./models');
    });
    return models!;
  } finally {
    if (before === undefined) delete process.env.BENCH_LIGHT_FEATURES;
    else process.env.BENCH_LIGHT_FEATURES = before;
  }
}

describe('the light model', () => {
  it('takes 64 features unless BENCH_LIGHT_FEATURES says otherwise, and its requests are that wide', () => {
    const models = loadModels(undefined);
    expect(models.LIGHT_LAYERS).toEqual([64, 256, 256, 10]);
    expect(JSON.parse(models.LIGHT_PREDICT_BODY).instances[0]).toHaveLength(64);
  });

  it('takes the width BENCH_LIGHT_FEATURES gives, for every request the bench sends it', () => {
    const models = loadModels('32');
    expect(models.LIGHT_LAYERS).toEqual([32, 256, 256, 10]);
    expect(JSON.parse(models.LIGHT_PREDICT_BODY).instances[0]).toHaveLength(32);
    expect(JSON.parse(models.LIGHT_OIP_BODY).inputs[0].shape).toEqual([1, 32]);
  });

  it.each(['0', '2.5', 'wide', '5000'])('refuses BENCH_LIGHT_FEATURES=%s, naming the setting', (setting) => {
    expect(() => loadModels(setting)).toThrow(`BENCH_LIGHT_FEATURES must be a whole number of input features from 1 to 4096, not "${setting}"`);
  });
});
