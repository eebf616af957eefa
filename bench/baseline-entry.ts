/**
 * The cold-load baseline: a bare Bolt app on AwsLambdaReceiver, bundled exactly like the bot's
 * functions, so the ratio shows what the bot adds on top of Bolt itself.
 */
import { App, AwsLambdaReceiver } from '@slack/bolt';

const receiver = new AwsLambdaReceiver({ signingSecret: 'x' });
const app = new App({ receiver, authorize: async () => ({ botToken: 'x' }) });
app.command('/hello', async ({ ack }) => {
  await ack('hello');
});

export const handler = receiver.toHandler();
