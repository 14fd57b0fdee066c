// Secrets Manager's rotation protocol: four steps (createSecret, setSecret, testSecret, finishSecret), each called
// with the same ClientRequestToken, each safe to call again. A "kind" says how long the new value is and how it is
// applied to the service that checks it (an ElastiCache group, an ALB rule and a CloudFront origin, or nothing when
// the platform's own hosts read the secret). Clients are passed in so tests can run the protocol without AWS.

export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';
export const PREVIOUS = 'AWSPREVIOUS';

export async function rotate(event, { secrets, kind, log = console.log }) {
  const { SecretId: id, ClientRequestToken: token, Step: step } = event;
  const meta = await secrets.describeSecret({ SecretId: id });
  if (!meta.RotationEnabled) throw new Error(`Secret ${id} does not have rotation enabled.`);
  const stages = meta.VersionIdsToStages?.[token];
  if (!stages) throw new Error(`Secret version ${token} has no stage for rotation of secret ${id}.`);
  if (stages.includes(CURRENT)) {
    log(`${step}: version ${token} is already ${CURRENT} for ${id}; nothing to do`);
    return;
  }
  if (!stages.includes(PENDING)) throw new Error(`Secret version ${token} is not ${PENDING} for rotation of secret ${id}.`);

  const read = async (request) => (await secrets.getSecretValue({ SecretId: id, ...request })).SecretString;
  const hasStage = (stage) => Object.values(meta.VersionIdsToStages).some((s) => s.includes(stage));
  const values = async () => ({
    current: await read({ VersionStage: CURRENT }),
    pending: await read({ VersionId: token, VersionStage: PENDING }),
    previous: hasStage(PREVIOUS) ? await read({ VersionStage: PREVIOUS }) : null,
  });

  switch (step) {
    case 'createSecret': {
      await read({ VersionStage: CURRENT }); // the current value must be readable before a new one is made
      try {
        await read({ VersionId: token, VersionStage: PENDING });
        log(`createSecret: ${id} already has a pending value for ${token}`);
        return;
      } catch (e) {
        if (e.name !== 'ResourceNotFoundException') throw e;
      }
      const { RandomPassword } = await secrets.getRandomPassword({ PasswordLength: kind.length, ExcludePunctuation: true });
      await secrets.putSecretValue({ SecretId: id, ClientRequestToken: token, SecretString: RandomPassword, VersionStages: [PENDING] });
      log(`createSecret: made a new ${kind.name} value for ${id}`);
      return;
    }
    case 'setSecret':
      await kind.set(await values(), log);
      log(`setSecret: ${kind.name} accepts the new value for ${id}`);
      return;
    case 'testSecret':
      await kind.test(await values(), log);
      log(`testSecret: ${kind.name} checked for ${id}`);
      return;
    case 'finishSecret': {
      const currentVersion = Object.entries(meta.VersionIdsToStages).find(([, s]) => s.includes(CURRENT))?.[0];
      await secrets.updateSecretVersionStage({ SecretId: id, VersionStage: CURRENT, MoveToVersionId: token, RemoveFromVersionId: currentVersion });
      log(`finishSecret: ${token} is now ${CURRENT} for ${id} (the former value is ${PREVIOUS})`);
      return;
    }
    default:
      throw new Error(`Invalid step ${step} for secret ${id}.`);
  }
}
