// The Node handler with multer-s3: multer streams the file to S3 as it
// arrives, then the handler checks the secret (too late to keep a wrong one
// out of the bucket, which is how multer-s3 is usually wired). Benchmarks only.
// Run: node app.js (PORT, AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, SHOTSINK_SECRET).
const crypto = require("crypto");
const express = require("express");
const multer = require("multer");
const multerS3 = require("multer-s3");
const { S3Client } = require("@aws-sdk/client-s3");

const s3 = new S3Client({
  endpoint: process.env.AWS_ENDPOINT,
  region: process.env.AWS_REGION || "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
});
const FORMATS = { jpg: "image/jpeg", png: "image/png", webp: "image/webp", avif: "image/avif", pdf: "application/pdf" };
const fmtOf = (body) => (FORMATS[body.format] ? body.format : "jpg");
const upload = multer({
  storage: multerS3({
    s3,
    bucket: "captures",
    contentType: (req, file, cb) => cb(null, FORMATS[fmtOf(req.body)]),
    key: (req, file, cb) => {
      const token = String(req.body.token || "").replace(/[^A-Za-z0-9]/g, "");
      const day = new Date().toISOString().slice(0, 10).replace(/-/g, "/");
      cb(null, `screenshots/${day}/${token}.${fmtOf(req.body)}`);
    },
  }),
});
const secret = Buffer.from(process.env.SHOTSINK_SECRET);
const app = express();
app.post("/callback", upload.single("file"), (req, res) => {
  const given = Buffer.from(String(req.body.callback_secret || ""));
  if (given.length !== secret.length || !crypto.timingSafeEqual(given, secret)) return res.status(403).send("forbidden\n");
  if (req.body.status !== "OK") return res.status(200).send("render failure acknowledged\n");
  if (!req.file) return res.status(400).send("missing file\n");
  res.status(200).send(`stored ${req.file.key}\n`);
});
app.listen(Number(process.env.PORT || 3006), "127.0.0.1");
