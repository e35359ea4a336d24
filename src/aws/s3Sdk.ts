// The parts of the S3 SDK the connector uses, in one module that is imported on demand (`await import`): only syncs
// that read exports pay for loading the S3 client. Going through this ES module also gives the CLI bundle named
// exports for it, which a bundled CommonJS package imported on demand would not have.
export { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
