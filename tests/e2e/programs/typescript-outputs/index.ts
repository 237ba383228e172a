import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const greeting: string = config.get("greeting") ?? "hello";

export const message: string = `${greeting}, world`;
export const answer: number = 6 * 7;
export const images: string[] = ["nginx:1.25", "redis:7.2"];
export const stackName: string = pulumi.getStack();
