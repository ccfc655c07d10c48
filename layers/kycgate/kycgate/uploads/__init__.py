"""Direct-to-S3 image uploads (issue 13.2): images larger than API Gateway and Lambda take in JSON."""
