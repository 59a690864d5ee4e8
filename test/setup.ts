import 'aws-sdk-client-mock-vitest/extend';

// The SDK warns once per process that Node 20 support ends in 2027; tests pin the SDK by the lock.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
